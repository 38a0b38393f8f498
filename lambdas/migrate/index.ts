// Placeholder until the handler lands (being written in this session).
export const handler = async (): Promise<unknown> => {
  throw new Error('not implemented yet: lambdas/migrate');
};
