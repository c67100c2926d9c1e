// Public face of the backend wire contract, and the name -> schema table the JSON Schema generator reads.
import type { z } from 'zod';
import { ErrorBody, Scope } from './define.js';
import * as auth from './auth.js';
import * as account from './account.js';
import * as projects from './projects.js';
import * as tasks from './tasks.js';
import * as events from './events.js';
import * as ai from './ai.js';

export * from './define.js';
export * from './auth.js';
export * from './account.js';
export * from './projects.js';
export * from './tasks.js';
export * from './events.js';
export * from './ai.js';
export * from './routes.js';
export * from './sockets.js';
export * from './summary.js';

function pascal(type: string): string {
  return type.split('_').map((s) => s[0].toUpperCase() + s.slice(1)).join('');
}

const eventSchemas = Object.fromEntries(Object.entries(events.eventEnvelopes)
  .map(([type, schema]) => [`${pascal(type)}Event`, schema]));

export const backendSchemas: Record<string, z.ZodType> = {
  ErrorBody,
  Scope,
  DeviceStartRequest: auth.DeviceStartRequest,
  DeviceStartResponse: auth.DeviceStartResponse,
  TokenRequest: auth.TokenRequest,
  TokenResponse: auth.TokenResponse,
  DeviceLookupRequest: auth.DeviceLookupRequest,
  DeviceApproveRequest: auth.DeviceApproveRequest,
  DeviceClient: auth.DeviceClient,
  CreateTokenRequest: auth.CreateTokenRequest,
  CreateTokenResponse: auth.CreateTokenResponse,
  TokenInfo: auth.TokenInfo,
  TokenList: auth.TokenList,
  RevokeAllResponse: auth.RevokeAllResponse,
  SignInRequest: auth.SignInRequest,
  SignInResponse: auth.SignInResponse,
  Me: account.Me,
  Rates: account.Rates,
  TopUpRequest: account.TopUpRequest,
  Checkout: account.Checkout,
  ConfirmCheckoutResponse: account.ConfirmCheckoutResponse,
  ProjectInitRequest: projects.ProjectInitRequest,
  ProjectSyncRequest: projects.ProjectSyncRequest,
  Project: projects.Project,
  Snapshot: projects.Snapshot,
  CreateTaskRequest: tasks.CreateTaskRequest,
  Task: tasks.Task,
  TaskList: tasks.TaskList,
  UploadFileRequest: tasks.UploadFileRequest,
  Posted: tasks.Posted,
  RateRequest: tasks.RateRequest,
  Rating: tasks.Rating,
  EventsPage: tasks.EventsPage,
  CustomerFrame: tasks.CustomerFrame,
  EngineerFrame: tasks.EngineerFrame,
  AckFrame: tasks.AckFrame,
  ErrorFrame: tasks.ErrorFrame,
  HandoffRequest: ai.HandoffRequest,
  Handoff: ai.Handoff,
  TranscriptEntry: ai.TranscriptEntry,
  SessionSummary: events.SessionSummary,
  TaskEvent: events.TaskEvent,
  ...eventSchemas,
};
