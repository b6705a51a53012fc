import {
	assignRequestSchema,
	createRequestSchema,
	extendRequestSchema,
	listRequestsSchema,
	reopenRequestSchema,
	requestIdSchema,
	transferRequestSchema,
	updateRequestSchema
} from '../../../lib/domain/schemas';
import {
	requestSignalSchema,
	requestSignalsSchema,
	sessionHandOverSchema,
	sessionInviteSchema
} from '../../../lib/link/session/signal-protocol';
import * as coSession from '../../services/co-session';
import { withLinkFor } from '../../services/link-access';
import { listRequests } from '../../services/request-list';
import * as requests from '../../services/requests';
import * as signalling from '../../services/signalling';
import { agentProcedure, router } from '../trpc';

export const requestsRouter = router({
	create: agentProcedure
		.input(createRequestSchema)
		.mutation(({ ctx, input }) => requests.createRequest(ctx.app, ctx.user, input)),
	get: agentProcedure
		.input(requestIdSchema)
		.query(({ ctx, input }) =>
			withLinkFor(ctx.user, requests.getRequest(ctx.app, ctx.user, input))
		),
	list: agentProcedure
		.input(listRequestsSchema)
		.query(({ ctx, input }) => listRequests(ctx.app, ctx.user, input)),
	update: agentProcedure
		.input(updateRequestSchema)
		.mutation(({ ctx, input }) => requests.updateRequest(ctx.app, ctx.user, input)),
	assign: agentProcedure
		.input(assignRequestSchema)
		.mutation(({ ctx, input }) => requests.assignRequest(ctx.app, ctx.user, input)),
	take: agentProcedure
		.input(requestIdSchema)
		.mutation(({ ctx, input }) => requests.takeRequest(ctx.app, ctx.user, input)),
	requestConnect: agentProcedure
		.input(requestIdSchema)
		.mutation(({ ctx, input }) => requests.requestConnect(ctx.app, ctx.user, input)),
	start: agentProcedure
		.input(requestIdSchema)
		.mutation(({ ctx, input }) => requests.startSession(ctx.app, ctx.user, input)),
	end: agentProcedure
		.input(requestIdSchema)
		.mutation(({ ctx, input }) => requests.endSession(ctx.app, ctx.user, input)),
	close: agentProcedure
		.input(requestIdSchema)
		.mutation(({ ctx, input }) => requests.closeRequest(ctx.app, ctx.user, input)),
	reopen: agentProcedure
		.input(reopenRequestSchema)
		.mutation(({ ctx, input }) => requests.reopenRequest(ctx.app, ctx.user, input)),
	extend: agentProcedure
		.input(extendRequestSchema)
		.mutation(({ ctx, input }) => requests.extendExpiry(ctx.app, ctx.user, input)),
	regenerateLink: agentProcedure
		.input(requestIdSchema)
		.mutation(({ ctx, input }) => requests.regenerateLink(ctx.app, ctx.user, input)),
	transfer: agentProcedure
		.input(transferRequestSchema)
		.mutation(({ ctx, input }) => requests.transferRequest(ctx.app, ctx.user, input)),
	// The live session, for the assigned agent or an admin while the request is ready/connected.
	session: agentProcedure
		.input(requestIdSchema)
		.query(({ ctx, input }) => signalling.agentIceServers(ctx.app, ctx.user, input)),
	signal: agentProcedure
		.input(requestSignalSchema)
		.mutation(({ ctx, input }) => signalling.sendFromAgent(ctx.app, ctx.user, input)),
	signals: agentProcedure
		.input(requestSignalsSchema)
		.subscription(({ ctx, input, signal }) =>
			signalling.agentSignals(ctx.app, ctx.user, input, signal ?? new AbortController().signal)
		),
	// A second agent in the live session (services/co-session.ts).
	inviteToSession: agentProcedure
		.input(sessionInviteSchema)
		.mutation(({ ctx, input }) => coSession.inviteToSession(ctx.app, ctx.user, input)),
	sessionParticipants: agentProcedure
		.input(requestIdSchema)
		.query(({ ctx, input }) => coSession.sessionParticipants(ctx.app, ctx.user, input)),
	sessionInvites: agentProcedure.query(({ ctx }) => coSession.myInvites(ctx.app, ctx.user)),
	handOverSession: agentProcedure
		.input(sessionHandOverSchema)
		.mutation(({ ctx, input }) => coSession.handOverSession(ctx.app, ctx.user, input))
});
