// Placeholder: the desktop app issue exposes the API contract here.
export {};
