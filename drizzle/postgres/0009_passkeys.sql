-- Passkeys (WebAuthn credentials) and the challenges handed out for them (SQLite's 0010).
CREATE TABLE passkeys (
	id text PRIMARY KEY NOT NULL,
	user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name text NOT NULL,
	public_key text NOT NULL,
	counter bigint DEFAULT 0 NOT NULL,
	transports text NOT NULL,
	backed_up integer DEFAULT 0 NOT NULL,
	created_at bigint NOT NULL,
	last_used_at bigint
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);
CREATE TABLE webauthn_challenges (
	challenge text PRIMARY KEY NOT NULL,
	purpose text NOT NULL,
	user_id text REFERENCES users(id) ON DELETE CASCADE,
	expires_at bigint NOT NULL
);
CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at);
