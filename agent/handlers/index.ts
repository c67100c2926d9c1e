// Every feature the agent serves. Adding a feature: declare it in protocol/, write its module here, list it.
import type { Feature } from '../context.js';
import { lifecycle } from './lifecycle.js';

export const features: Feature[] = [lifecycle];
