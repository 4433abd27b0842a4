/** Entry of console.js, served by the server at / (see server/routes/console.routes.ts). */
import { createRoot } from 'react-dom/client';
import { App } from './app';

createRoot(document.getElementById('root')!).render(<App />);
