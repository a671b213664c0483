import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { followDownload, pickCaptureFile, uploadCapture } from './api/browser-files.js';
import { createConnection, developmentContract } from './api/create-api.js';
import { App } from './app/App.js';
import { RowCache } from './packets/row-cache.js';
import { connectStore } from './store/connect.js';
import { createAppStore } from './store/index.js';
import { StoreContext } from './store/react.js';
import './styles/base.css';
import './styles/sidebar.css';
import './styles/workspace.css';
import './styles/dialogs.css';

// Development bundles validate every answer and event against the contract (and bring zod);
// production bundles drop this branch entirely.
const connection = createConnection(__DEV__ ? { validateWith: await developmentContract() } : {});
const rows = new RowCache((start, count) => connection.api.request('packets.rows', { start, count }));
const store = createAppStore({
  api: connection.api,
  rows,
  download: followDownload,
  pickFile: pickCaptureFile,
  upload: uploadCapture,
});
connectStore(store, connection);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
root.className = '';
root.replaceChildren();
createRoot(root).render(
  <StrictMode>
    <StoreContext.Provider value={{ store, rows }}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
