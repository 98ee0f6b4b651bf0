// The input features as functions of a point (x1, x2), for the pictures the page draws itself (the
// network's input column, the neurons' maps, the feature toggles). The names and which exist come
// from the server (engine/features.py); tests/test_browser_train_views.py checks these against it.

export const FEATURE_FNS = {
  x1: (x, y) => x,
  x2: (x, y) => y,
  "x1^2": (x, y) => x * x,
  "x2^2": (x, y) => y * y,
  "x1*x2": (x, y) => x * y,
  "sin(x1)": (x, y) => Math.sin(x),
  "sin(x2)": (x, y) => Math.sin(y),
};

/** The function of a feature name (a name this page does not know is drawn as 0). */
export function featureFn(name) {
  return FEATURE_FNS[name] ?? (() => 0);
}
