'use client';
import dynamic from 'next/dynamic';

/**
 * The app lives in the browser: its data comes from the API with the user's Better Auth JWT and is
 * kept in IndexedDB for offline use, so there is nothing to render on the server.
 */
const TodoApp = dynamic(() => import('./todo-app').then((m) => m.TodoApp), {
  ssr: false,
  loading: () => <p className="loading">Loading…</p>,
});

export function ClientOnly() {
  return <TodoApp />;
}
