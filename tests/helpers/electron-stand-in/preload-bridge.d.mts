export declare function preloadBridge(preloadSource: string): string;
