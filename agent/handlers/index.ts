// Every feature the agent serves. Adding a feature: declare it in protocol/, write its module here, list it.
import type { Feature } from '../context.js';
import { account } from './account.js';
import { lifecycle } from './lifecycle.js';
import { project } from './project.js';
import { session } from './session.js';

export const features: Feature[] = [lifecycle, account, project, session];
