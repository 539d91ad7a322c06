// The browser-mode server's port, apart from the server: `portwatch --help` shows it without loading
// the server (and its WebSocket library).
export const DEFAULT_PORT = 7437;
