/**
 * The agent app in Chromium for benchmarks: the instants (performance.now(), from navigation
 * start) at which the sign-in form and the request list first appear, recorded in the page by a
 * MutationObserver installed before any of the app's scripts run.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { PASSWORD } from './beckon';

export const SCREENS = {
	signIn: 'input[type="email"]',
	home: '[data-testid="request-row"]'
} as const;

declare global {
	interface Window {
		__screens: Partial<Record<keyof typeof SCREENS, number>>;
	}
}

export async function watchScreens(context: BrowserContext) {
	await context.addInitScript((screens: Record<string, string>) => {
		window.__screens = {};
		const check = () => {
			for (const [name, selector] of Object.entries(screens)) {
				const key = name as keyof typeof SCREENS;
				if (window.__screens[key] === undefined && document.querySelector(selector)) {
					window.__screens[key] = performance.now();
				}
			}
		};
		new MutationObserver(check).observe(document, { childList: true, subtree: true });
	}, SCREENS);
}

/** Waits for a screen and returns when (ms from navigation start) it first appeared. */
export async function screenAt(page: Page, screen: keyof typeof SCREENS): Promise<number> {
	await page.waitForFunction((name) => window.__screens?.[name] !== undefined, screen, {
		timeout: 60_000
	});
	return page.evaluate((name) => window.__screens[name] as number, screen);
}

export async function signInThroughForm(page: Page, email: string) {
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page.getByTestId('request-row').first()).toBeVisible({ timeout: 60_000 });
}
