// Everything that needs MapLibre (about 1 MB of the page's code), in one module that main.js imports on
// demand: the sign-in form shows without it, and a phone on a weak link downloads it while the person types.

export { createMap, featureBounds } from './map.js';
export { createImagery, clearest } from './imagery.js';
