import type { MailStrings } from './index';

/** Brazilian Portuguese, the variant most recipients read. */
export const pt: MailStrings = {
	greeting: (name) => `Olá, ${name},`,
	footer: (org) => `Esta é uma mensagem automática de ${org}.`,
	joinButton: 'Entrar na sessão',
	linkFallback: 'Se o botão não funcionar, copie este link no seu navegador:',
	validUntil: (when) => `O link é válido até ${when}.`,
	noInstall: 'A sessão acontece no seu navegador: não é preciso instalar nada.',
	ignore: 'Se você não esperava este e-mail, pode ignorá-lo.',
	calendarAttached: 'Um convite de calendário está anexado.',
	calendarCancelled: 'O convite de calendário foi cancelado.',
	stillNeedHelp: (org) =>
		`Se ainda precisar de ajuda, entre em contato com ${org} e peça um novo link.`,
	invitation: {
		subject: (agent, org) => `${agent} (${org}) convida você para uma sessão de suporte`,
		intro: (agent, org) =>
			`${agent} (${org}) convida você para uma sessão de suporte remoto. Você poderá compartilhar sua tela e conversar com ${agent}.`,
		scheduled: (when) => `A sessão está agendada para ${when}.`,
		unscheduled: (agent) =>
			`Abra o link quando estiver pronto: ${agent} verá que você está aguardando.`
	},
	scheduleChanged: {
		subject: (when) => `Sua sessão de suporte foi remarcada para ${when}`,
		subjectUnscheduled: 'Sua sessão de suporte não tem mais horário marcado',
		intro: (agent, when) => `${agent} remarcou sua sessão de suporte. Novo horário: ${when}.`,
		introUnscheduled: (agent) =>
			`${agent} removeu o horário marcado da sua sessão de suporte. Você pode abrir o link quando estiver pronto.`
	},
	closed: {
		subject: {
			completed: 'Sua sessão de suporte foi encerrada',
			closed_by_agent: 'Sua solicitação de sessão de suporte foi encerrada',
			declined_by_user: 'Você recusou a sessão de suporte'
		},
		body: {
			completed: (agent) => `Sua sessão de suporte com ${agent} foi encerrada. Obrigado!`,
			closed_by_agent: (agent, org) =>
				`${agent} (${org}) encerrou sua solicitação de sessão de suporte. O link da sessão não funciona mais.`,
			declined_by_user: (agent) =>
				`Você recusou a sessão de suporte com ${agent}. O link da sessão não funciona mais.`
		}
	},
	expired: {
		subject: 'O link da sua sessão de suporte expirou',
		body: (agent, org) =>
			`O link da sessão de suporte que ${agent} (${org}) enviou para você expirou e não funciona mais.`
	},
	reminder: {
		subject: (when) => `Lembrete: sessão de suporte — ${when}`,
		body: (agent, org, when) =>
			`Lembramos que sua sessão de suporte com ${agent} (${org}) está agendada para ${when}.`
	},
	assigned: {
		subject: (name) => `Solicitação de sessão de ${name} atribuída a você`,
		intro: (by, name) =>
			by
				? `${by} atribuiu a você a solicitação de sessão de ${name}.`
				: `A solicitação de sessão de ${name} foi atribuída a você.`
	},
	assigneeReminder: {
		subject: (name, when) => `Lembrete: sessão com ${name} — ${when}`,
		intro: (name, when) => `Sua sessão com ${name} está agendada para ${when}.`
	},
	webhookDisabled: {
		subject: (url) => `Endpoint de webhook desativado: ${url}`,
		gone: (url) =>
			`O endpoint ${url} respondeu 410 Gone, por isso o Beckon deixou de lhe enviar webhooks.`,
		failing: (url) =>
			`As entregas ao endpoint ${url} falharam durante três dias, por isso o Beckon deixou de lhe enviar webhooks.`,
		lastError: 'Último erro',
		action:
			'Corrija o recetor e volte a ativar o endpoint em Administração → Webhooks: os eventos em espera serão então entregues.'
	},
	labels: {
		recipient: 'Destinatário',
		email: 'E-mail',
		scheduled: 'Agendada para',
		notScheduled: 'Não agendada',
		comments: 'Comentários',
		transferNote: 'Nota de quem o transferiu para você',
		openApp: 'Abrir o Beckon'
	},
	calendar: {
		summary: (agent, org) => `Sessão de suporte com ${agent} (${org})`,
		description: (link) => `Entrar na sessão: ${link}`,
		when: (when) => `Agendada para ${when}.`
	}
};
