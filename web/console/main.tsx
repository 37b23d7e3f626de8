import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { LangContext, initialLang, translate, type Lang } from './i18n.tsx';
import { get, setApiLang, setOnUnauthenticated } from './api.ts';
import { SessionContext, type Me } from './shell/session.tsx';
import { LoginPage } from './shell/LoginPage.tsx';
import { Layout } from './shell/Layout.tsx';
import { NAV } from './nav.tsx';
import { ForcedPasswordPage } from './account/PasswordPage.tsx';

function Root() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const setLang = (l: Lang) => {
    localStorage.setItem('patron.lang', l);
    setLangState(l);
  };
  setApiLang(lang);
  dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = translate(lang, 'app.name');
  }, [lang]);
  const reload = useCallback(async () => {
    try {
      setMe(await get<Me>('/api/auth/me'));
    } catch {
      setMe(null);
    }
  }, []);
  useEffect(() => {
    setOnUnauthenticated(() => setMe(null));
    void reload();
  }, [reload]);
  return (
    <LangContext.Provider value={{ lang, setLang }}>
      <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={{ token: { colorPrimary: '#c2185b' } }}>
        <AntApp>
          <SessionContext.Provider value={{ me: me ?? null, reload }}>
            {me === undefined ? (
              <Spin style={{ marginTop: '40vh', width: '100%' }} />
            ) : me === null ? (
              <LoginPage onLoggedIn={reload} />
            ) : me.staff?.mustChangePassword ? (
              <ForcedPasswordPage />
            ) : (
              <BrowserRouter>
                <Routes>
                  <Route element={<Layout />}>
                    {NAV.map((p) => (
                      <Route
                        key={p.path}
                        path={p.path}
                        element={!p.permission || me.permissions.includes(p.permission) ? p.element : <Result status="403" title="403" subTitle={translate(lang, 'shell.forbidden')} />}
                      />
                    ))}
                    <Route path="*" element={<Result status="404" title="404" subTitle={translate(lang, 'shell.notFound')} />} />
                  </Route>
                </Routes>
              </BrowserRouter>
            )}
          </SessionContext.Provider>
        </AntApp>
      </ConfigProvider>
    </LangContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
