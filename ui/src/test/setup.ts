import "@testing-library/jest-dom/vitest";

import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// What the window waits for may take longer than a second on a busy 2-core CI
// machine (the first render imports every view): wait up to 5 s, as a person would.
configure({ asyncUtilTimeout: 5000 });

// Unmount first (listeners unregister through the mocks), then drop the mocks.
afterEach(() => {
  cleanup();
  clearMocks();
});

// Mantine reads these browser APIs, which jsdom lacks.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
window.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

// jsdom does no layout: give elements a size so virtualised lists render rows.
for (const [prop, value] of [
  ["offsetHeight", 900],
  ["offsetWidth", 1200],
  ["clientHeight", 900],
  ["clientWidth", 1200],
] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => value });
}
HTMLElement.prototype.getBoundingClientRect = function () {
  return { x: 0, y: 0, top: 0, left: 0, bottom: 900, right: 1200, width: 1200, height: 900, toJSON: () => ({}) } as DOMRect;
};
// Comboboxes scroll their first option into view (jsdom has no layout).
Element.prototype.scrollIntoView ??= function scrollIntoView() {};
// jsdom does not scroll.
window.scrollTo = () => {};

// Mantine's autosizing textarea listens for web fonts loading; jsdom has no `document.fonts`.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", { value: { addEventListener: () => {}, removeEventListener: () => {} } });
}
