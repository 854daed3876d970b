import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RunSummaryResource } from '@contracts/http/runs.js';

const root = document.getElementById('root');
if (!root) throw new Error('the page has no #root element');
createRoot(root).render(<StrictMode><main><h1>Studio</h1><p>{RunSummaryResource.shape.status.options.join(', ')}</p></main></StrictMode>);
