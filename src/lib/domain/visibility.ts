/**
 * Who may see a request. An admin sees every request; an agent sees those that are unassigned,
 * assigned to them, assigned to one of their queues, or created by them. Server reads, mutations
 * and sync all go through this one rule.
 */
import type { Assignment, Viewer } from './types';

export interface VisibilityFacts {
	assignment: Assignment;
	createdBy: string;
}

export function canSee(viewer: Viewer, request: VisibilityFacts): boolean {
	if (viewer.role === 'admin') return true;
	if (viewer.permission === 'none') return false;
	if (request.createdBy === viewer.id) return true;
	switch (request.assignment.kind) {
		case 'unassigned':
			return true;
		case 'agent':
			return request.assignment.userId === viewer.id;
		case 'queue':
			return viewer.queueIds.includes(request.assignment.queueId);
	}
}
