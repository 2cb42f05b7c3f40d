import { Static, Type } from '@sinclair/typebox';

const Script = Type.String({ minLength: 1 });

/**
 * The SQL of the auth data split, the product's own (its tables, its columns), in the five steps the split's Job
 * runs in order (constructs/auth-data-split-job.ts says how and as whom). Each script must be safe to run again.
 */
export const AuthDataSplitScripts = Type.Object(
  {
    /** Auth database, as its owner, one transaction: the auth tables, created when missing. */
    authSchema: Script,
    /** Monolith database, as its application role, read-only: the rows to copy, as CSV on standard output (`PSTDOUT`). */
    exportMonolithUsers: Script,
    /** Monolith database: one number, the last id its sequence handed out (`:monolith_last_id` of `importUsers`). */
    monolithLastUserId: Script,
    /** Auth database, one transaction: the CSV of `exportMonolithUsers` on standard input (`PSTDIN`), upserted. */
    importUsers: Script,
    /**
     * Monolith database, as superuser, one transaction: the compatibility view. The auth database's host, port,
     * name and user are in `AUTH_DB_HOST`, `AUTH_DB_PORT`, `AUTH_DB_NAME`, `AUTH_DB_USERNAME`, its password in the
     * file `/secrets/auth/password`, the monolith's application role in `MONOLITH_DB_USERNAME`.
     */
    monolithCompatView: Script,
  },
  { additionalProperties: false },
);
export type AuthDataSplitScripts = Static<typeof AuthDataSplitScripts>;
