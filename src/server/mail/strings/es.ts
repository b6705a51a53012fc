import type { MailStrings } from './index';

export const es: MailStrings = {
	greeting: (name) => `Hola, ${name}:`,
	footer: (org) => `Este es un mensaje automático de ${org}.`,
	joinButton: 'Unirse a la sesión',
	linkFallback: 'Si el botón no funciona, copie este enlace en su navegador:',
	validUntil: (when) => `El enlace es válido hasta el ${when}.`,
	noInstall: 'La sesión se realiza en su navegador: no tiene que instalar nada.',
	ignore: 'Si no esperaba este correo, puede ignorarlo.',
	calendarAttached: 'Se adjunta una invitación de calendario.',
	calendarCancelled: 'La invitación de calendario se ha cancelado.',
	stillNeedHelp: (org) =>
		`Si todavía necesita ayuda, póngase en contacto con ${org} y pida un enlace nuevo.`,
	invitation: {
		subject: (agent, org) => `${agent}, de ${org}, le invita a una sesión de soporte`,
		intro: (agent, org) =>
			`${agent}, de ${org}, le invita a una sesión de soporte remoto. Podrá compartir su pantalla y chatear con ${agent}.`,
		scheduled: (when) => `La sesión está programada para el ${when}.`,
		unscheduled: (agent) => `Abra el enlace cuando esté listo: ${agent} verá que está esperando.`
	},
	scheduleChanged: {
		subject: (when) => `Su sesión de soporte ha cambiado al ${when}`,
		subjectUnscheduled: 'Su sesión de soporte ya no tiene hora programada',
		intro: (agent, when) =>
			`${agent} ha cambiado la hora de su sesión de soporte. Nueva fecha: ${when}.`,
		introUnscheduled: (agent) =>
			`${agent} ha quitado la hora programada de su sesión de soporte. Puede abrir el enlace cuando esté listo.`
	},
	closed: {
		subject: {
			completed: 'Su sesión de soporte ha terminado',
			closed_by_agent: 'Su solicitud de sesión de soporte se ha cerrado',
			declined_by_user: 'Ha rechazado la sesión de soporte'
		},
		body: {
			completed: (agent) => `Su sesión de soporte con ${agent} ha terminado. ¡Gracias!`,
			closed_by_agent: (agent, org) =>
				`${agent}, de ${org}, ha cerrado su solicitud de sesión de soporte. El enlace de la sesión ya no funciona.`,
			declined_by_user: (agent) =>
				`Ha rechazado la sesión de soporte con ${agent}. El enlace de la sesión ya no funciona.`
		}
	},
	expired: {
		subject: 'El enlace de su sesión de soporte ha caducado',
		body: (agent, org) =>
			`El enlace de la sesión de soporte que le envió ${agent}, de ${org}, ha caducado y ya no funciona.`
	},
	reminder: {
		subject: (when) => `Recordatorio: sesión de soporte el ${when}`,
		body: (agent, org, when) =>
			`Le recordamos su sesión de soporte con ${agent}, de ${org}, programada para el ${when}.`
	},
	assigned: {
		subject: (name) => `Se le ha asignado la solicitud de sesión de ${name}`,
		intro: (by, name) =>
			by
				? `${by} le ha asignado la solicitud de sesión de ${name}.`
				: `Se le ha asignado la solicitud de sesión de ${name}.`
	},
	assigneeReminder: {
		subject: (name, when) => `Recordatorio: sesión con ${name} el ${when}`,
		intro: (name, when) => `Su sesión con ${name} está programada para el ${when}.`
	},
	webhookDisabled: {
		subject: (url) => `Punto de webhook desactivado: ${url}`,
		gone: (url) => `El punto ${url} respondió 410 Gone, así que Beckon dejó de enviarle webhooks.`,
		failing: (url) =>
			`Las entregas al punto ${url} fallaron durante tres días, así que Beckon dejó de enviarle webhooks.`,
		lastError: 'Último error',
		action:
			'Corrija el receptor y vuelva a activar el punto en Administración → Webhooks: los eventos en espera se entregarán entonces.'
	},
	labels: {
		recipient: 'Destinatario',
		email: 'Correo electrónico',
		scheduled: 'Programada para',
		notScheduled: 'Sin programar',
		comments: 'Comentarios',
		transferNote: 'Nota de quien te la transfirió',
		openApp: 'Abrir Beckon'
	},
	calendar: {
		summary: (agent, org) => `Sesión de soporte con ${agent} (${org})`,
		description: (link) => `Unirse a la sesión: ${link}`,
		when: (when) => `Programada para el ${when}.`
	}
};
