// The error a command throws for a mistake in its arguments: main prints it with the command's usage and exits 2.

export class UsageError extends Error {}
