import { looksLikePoolerUrl } from './connection-mode.js';

describe('looksLikePoolerUrl', () => {
  it("knows the hosted poolers' URLs", () => {
    expect(looksLikePoolerUrl('postgres://u:p@aws-0-eu-central-1.pooler.supabase.com:6543/postgres')).toBe(true);
    expect(looksLikePoolerUrl('postgres://u:p@db.example.com:6543/app')).toBe(true);
    expect(looksLikePoolerUrl('postgresql://u:p@ep-cool-name-pooler.eu-central-1.aws.neon.tech/neondb')).toBe(true);
  });

  it('takes anything else for a direct server (start-up still asks the server itself)', () => {
    expect(looksLikePoolerUrl('postgresql://u:p@ep-cool-name.eu-central-1.aws.neon.tech/neondb')).toBe(false);
    expect(looksLikePoolerUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe(false);
    expect(looksLikePoolerUrl('postgres://u:p@db.abcdefghij.supabase.co:5432/postgres')).toBe(false);
  });
});
