import type { MailStrings } from './index';

export const de: MailStrings = {
	greeting: (name) => `Hallo ${name},`,
	footer: (org) => `Dies ist eine automatische Nachricht von ${org}.`,
	joinButton: 'An der Sitzung teilnehmen',
	linkFallback:
		'Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:',
	validUntil: (when) => `Der Link ist gültig bis ${when}.`,
	noInstall: 'Die Sitzung läuft in Ihrem Browser: Sie müssen nichts installieren.',
	ignore: 'Falls Sie diese E-Mail nicht erwartet haben, können Sie sie ignorieren.',
	calendarAttached: 'Eine Kalendereinladung ist angehängt.',
	calendarCancelled: 'Die Kalendereinladung wurde abgesagt.',
	stillNeedHelp: (org) =>
		`Wenn Sie weiterhin Hilfe benötigen, wenden Sie sich an ${org} und bitten Sie um einen neuen Link.`,
	invitation: {
		subject: (agent, org) => `${agent} von ${org} lädt Sie zu einer Support-Sitzung ein`,
		intro: (agent, org) =>
			`${agent} von ${org} lädt Sie zu einer Fernsupport-Sitzung ein. Sie können Ihren Bildschirm teilen und mit ${agent} chatten.`,
		scheduled: (when) => `Die Sitzung ist für ${when} geplant.`,
		unscheduled: (agent) =>
			`Öffnen Sie den Link, sobald Sie bereit sind: ${agent} sieht dann, dass Sie warten.`
	},
	scheduleChanged: {
		subject: (when) => `Ihre Support-Sitzung wurde verschoben: ${when}`,
		subjectUnscheduled: 'Ihre Support-Sitzung hat keinen festen Termin mehr',
		intro: (agent, when) => `${agent} hat Ihre Support-Sitzung verschoben. Neuer Termin: ${when}.`,
		introUnscheduled: (agent) =>
			`${agent} hat den Termin Ihrer Support-Sitzung entfernt. Sie können den Link öffnen, sobald Sie bereit sind.`
	},
	closed: {
		subject: {
			completed: 'Ihre Support-Sitzung ist beendet',
			closed_by_agent: 'Ihre Anfrage für eine Support-Sitzung wurde geschlossen',
			declined_by_user: 'Sie haben die Support-Sitzung abgelehnt'
		},
		body: {
			completed: (agent) => `Ihre Support-Sitzung mit ${agent} ist beendet. Vielen Dank!`,
			closed_by_agent: (agent, org) =>
				`${agent} von ${org} hat Ihre Anfrage für eine Support-Sitzung geschlossen. Der Sitzungslink funktioniert nicht mehr.`,
			declined_by_user: (agent) =>
				`Sie haben die Support-Sitzung mit ${agent} abgelehnt. Der Sitzungslink funktioniert nicht mehr.`
		}
	},
	expired: {
		subject: 'Der Link zu Ihrer Support-Sitzung ist abgelaufen',
		body: (agent, org) =>
			`Der Link zur Support-Sitzung, den Ihnen ${agent} von ${org} geschickt hat, ist abgelaufen und funktioniert nicht mehr.`
	},
	reminder: {
		subject: (when) => `Erinnerung: Support-Sitzung am ${when}`,
		body: (agent, org, when) =>
			`Wir erinnern Sie an Ihre Support-Sitzung mit ${agent} von ${org} am ${when}.`
	},
	assigned: {
		subject: (name) => `Ihnen zugewiesen: Sitzungsanfrage für ${name}`,
		intro: (by, name) =>
			by
				? `${by} hat Ihnen die Sitzungsanfrage für ${name} zugewiesen.`
				: `Die Sitzungsanfrage für ${name} wurde Ihnen zugewiesen.`
	},
	assigneeReminder: {
		subject: (name, when) => `Erinnerung: Sitzung mit ${name} am ${when}`,
		intro: (name, when) => `Ihre Sitzung mit ${name} ist für ${when} geplant.`
	},
	webhookDisabled: {
		subject: (url) => `Webhook-Endpunkt deaktiviert: ${url}`,
		gone: (url) =>
			`Der Endpunkt ${url} hat mit 410 Gone geantwortet; Beckon sendet ihm daher keine Webhooks mehr.`,
		failing: (url) =>
			`Zustellungen an den Endpunkt ${url} sind drei Tage lang fehlgeschlagen; Beckon sendet ihm daher keine Webhooks mehr.`,
		lastError: 'Letzter Fehler',
		action:
			'Beheben Sie den Fehler beim Empfänger und aktivieren Sie den Endpunkt unter Verwaltung → Webhooks wieder: wartende Ereignisse werden dann zugestellt.'
	},
	labels: {
		recipient: 'Empfänger',
		email: 'E-Mail',
		scheduled: 'Geplant für',
		notScheduled: 'Nicht geplant',
		comments: 'Kommentare',
		transferNote: 'Notiz der übergebenden Person',
		openApp: 'Beckon öffnen'
	},
	calendar: {
		summary: (agent, org) => `Support-Sitzung mit ${agent} (${org})`,
		description: (link) => `An der Sitzung teilnehmen: ${link}`,
		when: (when) => `Geplant für ${when}.`
	}
};
