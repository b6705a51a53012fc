import type { MailStrings } from './index';

export const fr: MailStrings = {
	greeting: (name) => `Bonjour ${name},`,
	footer: (org) => `Ceci est un message automatique de ${org}.`,
	joinButton: 'Rejoindre la session',
	linkFallback: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :',
	validUntil: (when) => `Le lien est valable jusqu’au ${when}.`,
	noInstall: 'La session se déroule dans votre navigateur : rien à installer.',
	ignore: 'Si vous n’attendiez pas ce message, vous pouvez l’ignorer.',
	calendarAttached: 'Une invitation de calendrier est jointe.',
	calendarCancelled: 'L’invitation de calendrier a été annulée.',
	stillNeedHelp: (org) =>
		`Si vous avez encore besoin d’aide, contactez ${org} et demandez un nouveau lien.`,
	invitation: {
		subject: (agent, org) => `${agent} (${org}) vous invite à une session d’assistance`,
		intro: (agent, org) =>
			`${agent} (${org}) vous invite à une session d’assistance à distance. Vous pourrez partager votre écran et discuter avec ${agent}.`,
		scheduled: (when) => `La session est prévue le ${when}.`,
		unscheduled: (agent) =>
			`Ouvrez le lien quand vous êtes prêt : ${agent} verra que vous attendez.`
	},
	scheduleChanged: {
		subject: (when) => `Votre session d’assistance a été déplacée au ${when}`,
		subjectUnscheduled: 'Votre session d’assistance n’a plus d’horaire fixé',
		intro: (agent, when) =>
			`${agent} a déplacé votre session d’assistance. Nouvel horaire : ${when}.`,
		introUnscheduled: (agent) =>
			`${agent} a retiré l’horaire de votre session d’assistance. Vous pouvez ouvrir le lien quand vous êtes prêt.`
	},
	closed: {
		subject: {
			completed: 'Votre session d’assistance est terminée',
			closed_by_agent: 'Votre demande de session d’assistance a été fermée',
			declined_by_user: 'Vous avez refusé la session d’assistance'
		},
		body: {
			completed: (agent) => `Votre session d’assistance avec ${agent} est terminée. Merci !`,
			closed_by_agent: (agent, org) =>
				`${agent} (${org}) a fermé votre demande de session d’assistance. Le lien de la session ne fonctionne plus.`,
			declined_by_user: (agent) =>
				`Vous avez refusé la session d’assistance avec ${agent}. Le lien de la session ne fonctionne plus.`
		}
	},
	expired: {
		subject: 'Le lien de votre session d’assistance a expiré',
		body: (agent, org) =>
			`Le lien de session d’assistance que ${agent} (${org}) vous a envoyé a expiré et ne fonctionne plus.`
	},
	reminder: {
		subject: (when) => `Rappel : session d’assistance le ${when}`,
		body: (agent, org, when) =>
			`Nous vous rappelons votre session d’assistance avec ${agent} (${org}), prévue le ${when}.`
	},
	assigned: {
		subject: (name) => `La demande de session de ${name} vous a été attribuée`,
		intro: (by, name) =>
			by
				? `${by} vous a attribué la demande de session de ${name}.`
				: `La demande de session de ${name} vous a été attribuée.`
	},
	assigneeReminder: {
		subject: (name, when) => `Rappel : session avec ${name} le ${when}`,
		intro: (name, when) => `Votre session avec ${name} est prévue le ${when}.`
	},
	webhookDisabled: {
		subject: (url) => `Point de terminaison webhook désactivé : ${url}`,
		gone: (url) =>
			`Le point de terminaison ${url} a répondu 410 Gone : Beckon ne lui envoie plus de webhooks.`,
		failing: (url) =>
			`Les envois au point de terminaison ${url} ont échoué pendant trois jours : Beckon ne lui envoie plus de webhooks.`,
		lastError: 'Dernière erreur',
		action:
			'Corrigez le récepteur, puis réactivez le point de terminaison dans Administration → Webhooks : les événements en attente seront alors envoyés.'
	},
	labels: {
		recipient: 'Destinataire',
		email: 'E-mail',
		scheduled: 'Prévue le',
		notScheduled: 'Non planifiée',
		comments: 'Commentaires',
		transferNote: 'Note de la personne qui vous l’a transférée',
		openApp: 'Ouvrir Beckon'
	},
	calendar: {
		summary: (agent, org) => `Session d’assistance avec ${agent} (${org})`,
		description: (link) => `Rejoindre la session : ${link}`,
		when: (when) => `Prévue le ${when}.`
	}
};
