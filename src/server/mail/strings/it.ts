import type { MailStrings } from './index';

export const it: MailStrings = {
	greeting: (name) => `Buongiorno ${name},`,
	footer: (org) => `Questo è un messaggio automatico di ${org}.`,
	joinButton: 'Partecipa alla sessione',
	linkFallback: 'Se il pulsante non funziona, copi questo link nel browser:',
	validUntil: (when) => `Il link è valido fino a ${when}.`,
	noInstall: 'La sessione si svolge nel browser: non è necessario installare nulla.',
	ignore: 'Se non aspettava questa email, può ignorarla.',
	calendarAttached: 'In allegato trova un invito di calendario.',
	calendarCancelled: 'L’invito di calendario è stato annullato.',
	stillNeedHelp: (org) => `Se ha ancora bisogno di aiuto, contatti ${org} e chieda un nuovo link.`,
	invitation: {
		subject: (agent, org) => `${agent} (${org}) La invita a una sessione di assistenza`,
		intro: (agent, org) =>
			`${agent} (${org}) La invita a una sessione di assistenza remota. Potrà condividere lo schermo e chattare con ${agent}.`,
		scheduled: (when) => `La sessione è programmata per ${when}.`,
		unscheduled: (agent) => `Apra il link quando è pronto: ${agent} vedrà che è in attesa.`
	},
	scheduleChanged: {
		subject: (when) => `La Sua sessione di assistenza è stata spostata: ${when}`,
		subjectUnscheduled: 'La Sua sessione di assistenza non ha più un orario fissato',
		intro: (agent, when) =>
			`${agent} ha spostato la Sua sessione di assistenza. Nuovo orario: ${when}.`,
		introUnscheduled: (agent) =>
			`${agent} ha rimosso l’orario della Sua sessione di assistenza. Può aprire il link quando è pronto.`
	},
	closed: {
		subject: {
			completed: 'La Sua sessione di assistenza è terminata',
			closed_by_agent: 'La Sua richiesta di sessione di assistenza è stata chiusa',
			declined_by_user: 'Ha rifiutato la sessione di assistenza'
		},
		body: {
			completed: (agent) => `La Sua sessione di assistenza con ${agent} è terminata. Grazie!`,
			closed_by_agent: (agent, org) =>
				`${agent} (${org}) ha chiuso la Sua richiesta di sessione di assistenza. Il link della sessione non funziona più.`,
			declined_by_user: (agent) =>
				`Ha rifiutato la sessione di assistenza con ${agent}. Il link della sessione non funziona più.`
		}
	},
	expired: {
		subject: 'Il link della Sua sessione di assistenza è scaduto',
		body: (agent, org) =>
			`Il link della sessione di assistenza che ${agent} (${org}) Le ha inviato è scaduto e non funziona più.`
	},
	reminder: {
		subject: (when) => `Promemoria: sessione di assistenza — ${when}`,
		body: (agent, org, when) =>
			`Le ricordiamo la sessione di assistenza con ${agent} (${org}), programmata per ${when}.`
	},
	assigned: {
		subject: (name) => `Le è stata assegnata la richiesta di sessione di ${name}`,
		intro: (by, name) =>
			by
				? `${by} Le ha assegnato la richiesta di sessione di ${name}.`
				: `Le è stata assegnata la richiesta di sessione di ${name}.`
	},
	assigneeReminder: {
		subject: (name, when) => `Promemoria: sessione con ${name} — ${when}`,
		intro: (name, when) => `La Sua sessione con ${name} è programmata per ${when}.`
	},
	webhookDisabled: {
		subject: (url) => `Endpoint webhook disattivato: ${url}`,
		gone: (url) =>
			`L'endpoint ${url} ha risposto 410 Gone, quindi Beckon ha smesso di inviargli webhook.`,
		failing: (url) =>
			`Le consegne all'endpoint ${url} sono fallite per tre giorni, quindi Beckon ha smesso di inviargli webhook.`,
		lastError: 'Ultimo errore',
		action:
			"Correggi il ricevitore, poi riattiva l'endpoint in Amministrazione → Webhook: gli eventi in attesa verranno allora consegnati."
	},
	labels: {
		recipient: 'Destinatario',
		email: 'Email',
		scheduled: 'Programmata per',
		notScheduled: 'Non programmata',
		comments: 'Commenti',
		transferNote: 'Nota di chi te l’ha trasferita',
		openApp: 'Apri Beckon'
	},
	calendar: {
		summary: (agent, org) => `Sessione di assistenza con ${agent} (${org})`,
		description: (link) => `Partecipa alla sessione: ${link}`,
		when: (when) => `Programmata per ${when}.`
	}
};
