/**
 * Where a video's picture actually is inside its element (`object-fit: contain` letterboxes it),
 * so pointer positions can be normalised on one side and placed on the other.
 */
export interface Box {
	left: number;
	top: number;
	width: number;
	height: number;
}

/** The picture's box inside an element of `element` size showing a `video`-sized frame. */
export function containedBox(
	element: { width: number; height: number },
	video: { width: number; height: number }
): Box {
	if (video.width <= 0 || video.height <= 0 || element.width <= 0 || element.height <= 0) {
		return { left: 0, top: 0, width: element.width, height: element.height };
	}
	const scale = Math.min(element.width / video.width, element.height / video.height);
	const width = video.width * scale;
	const height = video.height * scale;
	return { left: (element.width - width) / 2, top: (element.height - height) / 2, width, height };
}

/** A point inside the element as 0–1 across the picture, or null when it is on the letterbox. */
export function normalise(point: { x: number; y: number }, box: Box) {
	const x = (point.x - box.left) / box.width;
	const y = (point.y - box.top) / box.height;
	return x >= 0 && x <= 1 && y >= 0 && y <= 1 ? { x, y } : null;
}
