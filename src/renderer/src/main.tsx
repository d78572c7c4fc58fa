import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './app/App';
import { NeedsLink } from './app/NeedsLink';
import { i18n } from './i18n';
import { setTransport } from './transport';
import { establishWebSession } from './transport/session';
import { createWebTransport } from './transport/web';
import './styles/theme.css';
import './styles/layout.css';
import './styles/features.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

/** In a browser, the session comes first (from the launch link or the stored one); Electron needs none. */
async function boot(el: HTMLElement): Promise<void> {
  let screen = <App />;
  if (!window.atelier) {
    const session = await establishWebSession();
    if (session) setTransport(createWebTransport(session));
    else screen = <NeedsLink />;
  }
  createRoot(el).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>{screen}</I18nextProvider>
    </StrictMode>,
  );
}

void boot(root);
