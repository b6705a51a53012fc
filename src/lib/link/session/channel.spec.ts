import { describe, expect, it } from 'vitest';
import { MAX_CHAT_LENGTH, parseChannelMessage } from './channel';

describe('parseChannelMessage', () => {
	it('accepts chat and pointer messages', () => {
		const chat = { type: 'chat', id: 'm1', text: 'Hi', at: '2026-11-25T10:00:00.000Z' };
		expect(parseChannelMessage(JSON.stringify(chat))).toEqual(chat);
		expect(parseChannelMessage('{"type":"pointer","x":0.25,"y":1}')).toEqual({
			type: 'pointer',
			x: 0.25,
			y: 1
		});
		expect(parseChannelMessage('{"type":"pointer-hide"}')).toEqual({ type: 'pointer-hide' });
	});

	it('drops anything else', () => {
		expect(parseChannelMessage('not json')).toBeNull();
		expect(parseChannelMessage('{"type":"pointer","x":2,"y":0}')).toBeNull();
		expect(parseChannelMessage('{"type":"script","src":"x"}')).toBeNull();
		expect(parseChannelMessage(new ArrayBuffer(4))).toBeNull();
		const long = { type: 'chat', id: 'm', text: 'x'.repeat(MAX_CHAT_LENGTH + 1), at: '' };
		expect(parseChannelMessage(JSON.stringify(long))).toBeNull();
	});

	it('keeps only the known fields, with the limits of each', () => {
		const chat = { type: 'chat', id: 'm1', text: 'Hi', at: '', author: 'Ana', extra: 1 };
		expect(parseChannelMessage(JSON.stringify(chat))).toEqual({
			type: 'chat',
			id: 'm1',
			text: 'Hi',
			at: '',
			author: 'Ana'
		});
		expect(parseChannelMessage('{"type":"highlight","x":0,"y":0.5,"z":1}')).toEqual({
			type: 'highlight',
			x: 0,
			y: 0.5
		});
		expect(parseChannelMessage('{"type":"pointer-hide","x":1}')).toEqual({ type: 'pointer-hide' });
		for (const bad of [
			{ type: 'chat', id: '', text: 'Hi', at: '' },
			{ type: 'chat', id: 'x'.repeat(65), text: 'Hi', at: '' },
			{ type: 'chat', id: 'm', text: '', at: '' },
			{ type: 'chat', id: 'm', text: 'Hi', at: 'x'.repeat(41) },
			{ type: 'chat', id: 'm', text: 'Hi', at: '', author: '' },
			{ type: 'chat', id: 'm', text: 'Hi', at: '', author: null },
			{ type: 'chat', id: 'm', text: 'Hi' },
			{ type: 'pointer', x: -0.1, y: 0 },
			{ type: 'pointer', x: '0.5', y: 0 },
			{ type: 'highlight', x: 0 },
			[{ type: 'pointer-hide' }],
			null
		])
			expect(parseChannelMessage(JSON.stringify(bad)), JSON.stringify(bad)).toBeNull();
	});
});
