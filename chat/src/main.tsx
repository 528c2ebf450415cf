import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ChatEngine } from './engine.ts';
import './styles.css';

const engine = new ChatEngine();
void engine.init();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App engine={engine} />
  </StrictMode>,
);
