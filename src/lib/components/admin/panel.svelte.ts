import { LoadedSection } from '../loaded-section.svelte';
import { failure } from './admin-types';

/** An admin panel: a section whose failed calls read as admin messages (`failure`). */
export class Panel extends LoadedSection {
	constructor(online: () => boolean, load: () => Promise<unknown>) {
		super(online, load, failure);
	}
}
