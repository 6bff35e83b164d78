// Path templates ("/desktop/sites/{siteId}/queries/{queryId}", "{rest*}" for the remainder) to matchers.

function compileTemplate(template) {
  const names = [];
  const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)(\\\*)?\}/g, (_, name, rest) => {
    names.push(name);
    return rest ? '(.+)' : '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

/** Builds a matcher over routes ({method, path, …}); the first route whose template fits wins. */
export function createRouter(routes) {
  const compiled = routes.map((route) => ({ route, ...compileTemplate(route.path) }));
  return function match(method, pathname) {
    for (const { route, pattern, names } of compiled) {
      if (route.method !== method) continue;
      const found = pattern.exec(pathname);
      if (!found) continue;
      let params;
      try {
        params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      } catch {
        return undefined; // malformed percent-encoding: treat as an unknown path
      }
      return { route, params };
    }
    return undefined;
  };
}
