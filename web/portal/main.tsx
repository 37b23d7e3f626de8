import { createRoot } from 'react-dom/client';

const zh = (navigator.language || 'zh').toLowerCase().startsWith('zh');

function Portal() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24, maxWidth: 480, margin: '0 auto' }}>
      <h1>{zh ? '会员中心' : 'Member centre'}</h1>
      <p>{zh ? '会员自助服务即将上线。' : 'Member self-service is coming soon.'}</p>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<Portal />);
