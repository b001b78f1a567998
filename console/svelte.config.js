// Svelte's options for the console (defaults; runes mode is Svelte 5's default for new components).
export default {};
