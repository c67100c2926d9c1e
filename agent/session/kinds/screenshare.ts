// `screenshare`: a link the engineer offers. Shown to the customer, who may open it in their own browser;
// the agent opens nothing and sends nothing, so there is nothing to ask.
import type { ShownKindModule } from './kind.js';

export const screenshareKind: ShownKindModule<'screenshare'> = {
  kind: 'screenshare',
  shown: true,
  announce: (ask) => ({ requestId: ask.requestId, url: ask.url }),
};
