'use client';
import { useEffect, useState } from 'react';
import { authClient } from '../lib/api';
import { AuthForm, type User } from './auth-form';
import { Workspace } from './workspace';

/** Signed out: the sign-in form. Signed in: the user's lists and tasks. `?invite=<code>` joins a list. */
export function TodoApp() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [invite] = useState(() => new URLSearchParams(window.location.search).get('invite') ?? undefined);

  useEffect(() => {
    authClient
      .getSession()
      .then(({ data }) => setUser(data?.user ?? null))
      .catch(() => setUser(null));
  }, []);

  if (user === undefined) return <p className="loading">Loading…</p>;
  if (!user) return <AuthForm onSignedIn={setUser} invited={!!invite} />;
  return (
    <Workspace
      key={user.id}
      user={user}
      invite={invite}
      onSignOut={async () => {
        await authClient.signOut();
        setUser(null);
      }}
    />
  );
}
