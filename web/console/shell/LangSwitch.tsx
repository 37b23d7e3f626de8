import { useContext } from 'react';
import { Button } from 'antd';
import { GlobalOutlined } from '@ant-design/icons';
import { LangContext, translate } from '../i18n.tsx';

export function LangSwitch() {
  const { lang, setLang } = useContext(LangContext);
  return (
    <Button type="text" icon={<GlobalOutlined />} data-testid="lang-switch" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
      {translate(lang, 'shell.language')}
    </Button>
  );
}
