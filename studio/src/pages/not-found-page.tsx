import { Link } from '../router/hash-router.js';

/** A Studio path that matches no page. */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <h1>Page not found</h1>
      <p>The Studio has no page at <code>{path}</code>. <Link to="/runs">Go to runs</Link>.</p>
    </>
  );
}
