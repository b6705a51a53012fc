/** Organisation-wide settings, stored as key/value rows with defaults from the configuration. */
import { eq } from 'drizzle-orm';
import { parseDuration } from '../../lib/domain/rules';
import { invalid } from '../../lib/domain/errors';
import type { Language } from '../../lib/domain/types';
import { TWO_FACTOR_REQUIREMENTS, type TwoFactorRequirement } from '../../lib/domain/sign-in';
import { write, type Beckon } from '../app';
import { prepared } from '../db/prepared';
import { queues, settings } from '../db/schema';

export interface Settings {
	organizationName: string;
	defaultExpiry: string;
	defaultLanguage: Language;
	reminderLead: string;
	/**
	 * Days after which closed and expired requests are anonymised (jobs/retention.ts); null, the
	 * default, keeps them until an admin erases them.
	 */
	retentionDays: number | null;
	/**
	 * Where an agent's requests go when they leave and a request has no last queue
	 * (services/fallback.ts); null: unassigned.
	 */
	fallbackQueueId: string | null;
	/** Who must sign in with an authenticator app (services/second-factor.ts); `off` by default. */
	twoFactorRequired: TwoFactorRequirement;
}

function formatDuration(ms: number): string {
	for (const [unit, size] of [
		['d', 86_400_000],
		['h', 3_600_000],
		['m', 60_000]
	] as const) {
		if (ms % size === 0) return `${ms / size}${unit}`;
	}
	return `${Math.round(ms / 1000)}s`;
}

const OFF = 'off';

// Read by every new request (its defaults): prepared once.
const allSettings = prepared((db) => db.select().from(settings).prepare());

export function getSettings(app: Beckon): Settings {
	const stored = Object.fromEntries(
		allSettings(app.db)
			.all()
			.map((r) => [r.key, r.value])
	);
	return {
		organizationName: stored.organizationName ?? 'Beckon',
		defaultExpiry: stored.defaultExpiry ?? formatDuration(app.config.defaultExpiryMs),
		defaultLanguage: (stored.defaultLanguage as Language) ?? app.config.defaultLanguage,
		reminderLead: stored.reminderLead ?? formatDuration(app.config.reminderLeadMs),
		retentionDays: retentionDaysOf(stored.retentionDays),
		fallbackQueueId:
			stored.fallbackQueueId === undefined || stored.fallbackQueueId === OFF
				? null
				: stored.fallbackQueueId,
		twoFactorRequired: TWO_FACTOR_REQUIREMENTS.find((r) => r === stored.twoFactorRequired) ?? 'off'
	};
}

// Stored as text like every setting: a number of days, or `off`.
function retentionDaysOf(stored: string | undefined): number | null {
	const days = Number(stored);
	return stored === undefined || stored === OFF || !Number.isInteger(days) ? null : days;
}

export function defaultExpiryMs(app: Beckon): number {
	return expiryMsOf(app, getSettings(app));
}

/** The default lifetime of a new request under `settings`. */
export function expiryMsOf(app: Beckon, settings: Settings): number {
	return parseDuration(settings.defaultExpiry) ?? app.config.defaultExpiryMs;
}

export function updateSettings(app: Beckon, input: Partial<Settings>): Settings {
	for (const field of ['defaultExpiry', 'reminderLead'] as const) {
		const value = input[field];
		if (value !== undefined && parseDuration(value) === null) {
			throw invalid(field, 'must be a duration such as 7d, 36h or 15m');
		}
	}
	write(app, () => {
		const queueId = input.fallbackQueueId;
		if (queueId && !app.db.select().from(queues).where(eq(queues.id, queueId)).get()) {
			throw invalid('fallbackQueueId', 'is not an existing queue');
		}
		for (const [key, value] of Object.entries(input)) {
			if (value === undefined) continue;
			const text = value === null ? OFF : String(value);
			app.db
				.insert(settings)
				.values({ key, value: text })
				.onConflictDoUpdate({ target: settings.key, set: { value: text } })
				.run();
		}
	});
	return getSettings(app);
}
