/** Runs once when the Next.js server starts: Better Auth's tables exist before the first request. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { migrate } = await import('./lib/auth');
  await migrate();
}
