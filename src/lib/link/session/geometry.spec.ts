import { describe, expect, it } from 'vitest';
import { containedBox, normalise } from './geometry';

describe('containedBox', () => {
	it('letterboxes a wide picture in a tall element', () => {
		expect(containedBox({ width: 400, height: 400 }, { width: 1280, height: 720 })).toEqual({
			left: 0,
			top: 87.5,
			width: 400,
			height: 225
		});
	});

	it('pillarboxes a tall picture in a wide element', () => {
		const box = containedBox({ width: 800, height: 400 }, { width: 720, height: 1280 });
		expect(box.height).toBe(400);
		expect(box.left).toBeCloseTo(287.5);
	});

	it('falls back to the whole element before the video has a size', () => {
		expect(containedBox({ width: 300, height: 200 }, { width: 0, height: 0 })).toEqual({
			left: 0,
			top: 0,
			width: 300,
			height: 200
		});
	});
});

describe('normalise', () => {
	const box = { left: 0, top: 87.5, width: 400, height: 225 };
	it('maps points on the picture to 0–1', () => {
		expect(normalise({ x: 200, y: 200 }, box)).toEqual({ x: 0.5, y: 0.5 });
		expect(normalise({ x: 0, y: 87.5 }, box)).toEqual({ x: 0, y: 0 });
	});
	it('ignores points on the letterbox', () => {
		expect(normalise({ x: 200, y: 20 }, box)).toBeNull();
	});
});
