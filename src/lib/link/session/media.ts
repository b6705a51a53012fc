/** Shows a MediaStream in a <video> (an attachment: `{@attach showStream(stream)}`). */
export function showStream(stream: MediaStream | null) {
	return (video: HTMLVideoElement) => {
		video.srcObject = stream;
		// Muted, inline videos may play without a gesture; a refusal leaves the poster frame.
		if (stream) video.play().catch(() => undefined);
		return () => {
			video.srcObject = null;
		};
	};
}
