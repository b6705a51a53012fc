// The per-language message chunks of scripts/locale-messages-plugin.js.
declare module 'virtual:beckon-messages' {
	type Locale = import('../paraglide/runtime.js').Locale;
	type Loader = () => Promise<Record<string, (inputs: object) => string>>;
	export const loaders: Record<'first' | 'app' | 'admin' | 'link', Record<Locale, Loader>>;
}
