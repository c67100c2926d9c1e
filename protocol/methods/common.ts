// Pieces shared by the session's declarations (methods/session.ts) and the request kinds (methods/requests.ts).
import * as z from 'zod';
import { defineNotification } from '../define.js';

export const TaskId = z.string().min(1).describe('The task (session) id.');
export const RequestId = z.string().min(1).describe('The engineer request being answered.');
export const Stamp = { taskId: TaskId, seq: z.number().int().min(0).describe('The event\'s per-task sequence number; 0 for a request the AI agent made on this machine.') };

/** A backend event relayed to the front end: its payload plus `taskId` and `seq`. */
export const note = <Sh extends z.ZodRawShape, M extends string>(method: M, summary: string, payload: z.ZodObject<Sh>, example: z.input<z.ZodObject<Sh>>, typeName?: string) =>
  defineNotification({ method, typeName, summary, direction: 'agent-to-client', params: payload.extend(Stamp), examples: [{ ...example, taskId: 't_1', seq: 3 } as never] });
