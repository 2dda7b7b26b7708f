import { useEffect, useState } from 'preact/hooks';
import { FeedPage } from './feed/FeedPage';
import { t } from './i18n';
import { match, useLocation } from './router';
import { AuthPrompt } from './ui/AuthPrompt';
import { lazy } from './ui/lazy';
import { ReportSheet } from './safety/ReportSheet';
import { NotFound } from './ui/misc';
import { SideNav, TabBar } from './ui/Nav';
import { Toasts } from './ui/Toasts';
import { VideoPage } from './watch/VideoPage';

const ProfilePage = lazy(() => import('./profile/ProfilePage').then((m) => m.ProfilePage));
const TagPage = lazy(() => import('./discover/TagPage').then((m) => m.TagPage));
const SoundPage = lazy(() => import('./discover/SoundPage').then((m) => m.SoundPage));
const SearchPage = lazy(() => import('./discover/SearchPage').then((m) => m.SearchPage));
const InboxPage = lazy(() => import('./inbox/InboxPage').then((m) => m.InboxPage));
const UploadPage = lazy(() => import('./upload/UploadPage').then((m) => m.UploadPage));
const SettingsPage = lazy(() => import('./settings/SettingsPage').then((m) => m.SettingsPage));
const LoginPage = lazy(() => import('./auth/LoginPage').then((m) => m.LoginPage));
const SignupPage = lazy(() => import('./auth/SignupPage').then((m) => m.SignupPage));
const ForgotPasswordPage = lazy(() => import('./auth/AccountSecurityPages').then((m) => m.ForgotPasswordPage));
const ResetPasswordPage = lazy(() => import('./auth/AccountSecurityPages').then((m) => m.ResetPasswordPage));
const VerifyEmailPage = lazy(() => import('./auth/AccountSecurityPages').then((m) => m.VerifyEmailPage));
const AccountStatusPage = lazy(() => import('./safety/AccountStatusPage').then((m) => m.AccountStatusPage));
const QueuePage = lazy(() => import('./moderation/QueuePage').then((m) => m.QueuePage));
const CasePage = lazy(() => import('./moderation/CasePage').then((m) => m.CasePage));
const BlockedTermsPage = lazy(() => import('./moderation/BlockedTermsPage').then((m) => m.BlockedTermsPage));

function Screen({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if ((m = match('/v/:id', path))) return <VideoPage key={m.id} id={m.id!} />;
  if ((m = match('/@:handle', path))) return <ProfilePage key={m.handle} handle={m.handle!} />;
  if ((m = match('/tag/:tag', path))) return <TagPage key={m.tag} tag={m.tag!} />;
  if ((m = match('/sound/:id', path))) return <SoundPage key={m.id} id={m.id!} />;
  if (match('/search', path)) return <SearchPage />;
  if (match('/upload', path)) return <UploadPage />;
  if (match('/inbox', path)) return <InboxPage />;
  if (match('/settings', path)) return <SettingsPage />;
  if (match('/account-status', path)) return <AccountStatusPage />;
  if (match('/moderation', path)) return <QueuePage />;
  if ((m = match('/moderation/cases/:id', path))) return <CasePage key={m.id} id={m.id!} />;
  if (match('/moderation/blocked-terms', path)) return <BlockedTermsPage />;
  if (match('/login', path)) return <LoginPage />;
  if (match('/signup', path)) return <SignupPage />;
  if (match('/forgot-password', path)) return <ForgotPasswordPage />;
  if ((m = match('/reset/:token', path))) return <ResetPasswordPage key={m.token} token={m.token!} />;
  if ((m = match('/verify-email/:token', path))) return <VerifyEmailPage key={m.token} token={m.token!} />;
  return <NotFound />;
}

export function App() {
  const { path } = useLocation();
  const home = path === '/';
  // The home feed stays mounted once visited, so coming back keeps your place.
  const [homeMounted, setHomeMounted] = useState(home);
  useEffect(() => {
    if (home) setHomeMounted(true);
  }, [home]);
  const fullBleed = home || path.startsWith('/v/');
  useEffect(() => {
    document.body.classList.toggle('no-scroll', fullBleed);
  }, [fullBleed]);
  const auth =
    path === '/login' ||
    path === '/signup' ||
    path === '/forgot-password' ||
    path.startsWith('/reset/') ||
    path.startsWith('/verify-email/');
  return (
    <div class={`app ${fullBleed ? 'is-feed' : ''} ${auth ? 'is-auth' : ''}`}>
      <a class="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <SideNav />
      <main id="main" tabIndex={-1}>
        {(homeMounted || home) && (
          <div class="home-slot" hidden={!home}>
            <FeedPage visible={home} />
          </div>
        )}
        {!home && <Screen path={path} />}
      </main>
      <TabBar />
      <AuthPrompt />
      <ReportSheet />
      <Toasts />
    </div>
  );
}
