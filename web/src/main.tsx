import { render } from 'preact';
import { App } from './App';
import { prefetchBootFeed } from './boot';
import { loadHls } from './hls';
import { loadMe } from './session';
import './styles.css';

// Everything the first frame needs starts at once: the feed page, hls.js and the session.
prefetchBootFeed();
void loadHls();
void loadMe();

render(<App />, document.getElementById('app')!);
