import type { ActionHandler } from './context.js';

export const stsActions: Record<string, ActionHandler> = {
  GetCallerIdentity: {
    write: false,
    handle(ctx) {
      return { UserId: ctx.caller.userId, Account: ctx.state.accountId, Arn: ctx.caller.arn };
    },
  },
};
