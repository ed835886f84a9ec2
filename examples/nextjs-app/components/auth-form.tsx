'use client';
import { useState, type FormEvent } from 'react';
import { authClient } from '../lib/api';
import { textField } from '../lib/forms';

export interface User {
  id: string;
  email: string;
  name: string;
}

/** Better Auth's email and password sign-up and sign-in; its session cookie is all the app keeps. */
export function AuthForm({ onSignedIn, invited }: { onSignedIn: (user: User) => void; invited: boolean }) {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>(invited ? 'sign-up' : 'sign-in');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const email = textField(form, 'email');
    const password = textField(form, 'password');
    setBusy(true);
    setError(undefined);
    const { data, error } =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: textField(form, 'name') || email.split('@')[0] })
        : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (error || !data) return setError(error?.message ?? 'That did not work: try again');
    onSignedIn(data.user);
  }

  const signUp = mode === 'sign-up';
  return (
    <main className="auth">
      <form onSubmit={submit} className="card" aria-labelledby="auth-title">
        <h1 id="auth-title">{signUp ? 'Create your account' : 'Sign in'}</h1>
        {invited && <p className="hint">Sign in or create an account to join the list you were invited to.</p>}
        {signUp && (
          <label>
            Name
            <input name="name" autoComplete="name" />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" required autoComplete="email" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete={signUp ? 'new-password' : 'current-password'}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {signUp ? 'Sign up' : 'Sign in'}
        </button>
        <button type="button" className="link" onClick={() => setMode(signUp ? 'sign-in' : 'sign-up')}>
          {signUp ? 'I have an account: sign in' : 'New here? Create an account'}
        </button>
      </form>
    </main>
  );
}
