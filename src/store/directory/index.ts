export { Directory, type DirectoryOptions } from './directory.ts';
export type * from './types.ts';
export { bumpDirectoryVersion, readDirectoryVersion, onDirectoryChange, signalDirectoryChange, DIRECTORY_CHANNEL } from './changes.ts';
