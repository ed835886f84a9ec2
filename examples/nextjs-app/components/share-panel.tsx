'use client';
import { useEffect, useState } from 'react';
import { messageOf } from '../lib/api';
import type { List, Member, WorkspaceActions } from '../lib/workspace';

/** Members and their roles; the owner makes invitation links and removes members, a member can leave. */
export function SharePanel({
  list,
  actions,
  syncTick,
  onLeft,
}: {
  list: List;
  actions: WorkspaceActions;
  /** Changes whenever a sync brought something. */
  syncTick: unknown;
  onLeft: () => void;
}) {
  const [members, setMembers] = useState<Member[]>();
  const [link, setLink] = useState<string>();
  const [role, setRole] = useState<'editor' | 'viewer'>('editor');
  const [error, setError] = useState<string>();
  const owner = list.role === 'owner';

  // Sync does not send a list again when only its member count changes, so the panel asks again
  // after every sync and, for joins that change nothing else, every few seconds while it is open.
  useEffect(() => {
    const load = () =>
      actions
        .members(list.id)
        .then(setMembers)
        .catch((e: unknown) => setError(messageOf(e)));
    void load();
    const timer = setInterval(() => void load(), 5_000);
    return () => clearInterval(timer);
  }, [actions, list.id, syncTick]);

  async function invite() {
    try {
      const invitation = await actions.invite(list.id, role);
      setLink(`${window.location.origin}/?invite=${encodeURIComponent(invitation.code)}`);
      setError(undefined);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  async function changeRole(member: Member, role: 'editor' | 'viewer') {
    try {
      const changed = await actions.setRole(list.id, member.user_id, role);
      setMembers((all) => all?.map((m) => (m.user_id === changed.user_id ? changed : m)));
      setError(undefined);
    } catch (e) {
      setError(messageOf(e));
    }
  }

  async function remove(member: Member) {
    try {
      await actions.removeMember(list.id, member.user_id);
      setMembers((all) => all?.filter((m) => m.user_id !== member.user_id));
    } catch (e) {
      setError(messageOf(e));
    }
  }

  return (
    <section className="share card" aria-label="Sharing">
      <h3>Members</h3>
      <ul className="members">
        {members?.map((member) => (
          <li key={member.user_id}>
            <span className="member-name">{member.name || member.email}</span>
            <span className="member-email">{member.email}</span>
            {owner && member.role !== 'owner' ? (
              <select
                aria-label={`Role of ${member.email}`}
                value={member.role}
                onChange={(e) => void changeRole(member, e.target.value as 'editor' | 'viewer')}
              >
                <option value="editor">editor</option>
                <option value="viewer">viewer</option>
              </select>
            ) : (
              <span className="role">{member.role}</span>
            )}
            {owner && member.role !== 'owner' && (
              <button type="button" onClick={() => remove(member)} aria-label={`Remove ${member.email}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {owner ? (
        <div className="invite">
          <label>
            Invite as{' '}
            <select value={role} onChange={(e) => setRole(e.target.value as 'editor' | 'viewer')}>
              <option value="editor">editor (can change tasks)</option>
              <option value="viewer">viewer (read only)</option>
            </select>
          </label>
          <button type="button" className="primary" onClick={invite}>
            Create invitation link
          </button>
          {link && (
            <p className="invite-link">
              <label>
                Send this link (valid 7 days, for one person):
                <input readOnly value={link} onFocus={(e) => e.target.select()} data-testid="invite-link" />
              </label>
              <button type="button" onClick={() => void navigator.clipboard?.writeText(link)}>
                Copy
              </button>
            </p>
          )}
        </div>
      ) : (
        <LeaveButton list={list} actions={actions} onLeft={onLeft} onError={setError} />
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** A member leaves: DELETE .../members/{their own id}. */
function LeaveButton({
  list,
  actions,
  onLeft,
  onError,
}: {
  list: List;
  actions: WorkspaceActions;
  onLeft: () => void;
  onError: (message: string) => void;
}) {
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await actions.leave(list.id);
          onLeft();
        } catch (e) {
          onError(messageOf(e));
        }
      }}
    >
      Leave this list
    </button>
  );
}
