import { describe, expect, it } from 'vitest';
import { checkLang, langName, parseCaptions, subtitlePlaylist, withSubtitles } from './captions.js';

const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=360x640,CODECS="avc1.64001e,mp4a.40.2"',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=720x1280,CODECS="avc1.64001f,mp4a.40.2"',
  '720p/index.m3u8',
  '',
].join('\n');

describe('captions', () => {
  it('canonicalises BCP 47 tags and refuses what is not one', () => {
    expect(checkLang('pt-br')).toBe('pt-BR');
    expect(checkLang('zh-hant-tw')).toBe('zh-Hant-TW');
    expect(checkLang('es-419')).toBe('es-419');
    for (const bad of ['en_US', 'english', 'x-private', '', 'en-US-u-ca-buddhist', '../en']) {
      expect(() => checkLang(bad)).toThrow(expect.objectContaining({ code: 'captions.lang_invalid' }));
    }
    expect(langName('de')).toBe('Deutsch');
  });

  it('names the parser’s first error', () => {
    expect(() => parseCaptions('WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nx\n')).toThrow(/line 3/);
    expect(() => parseCaptions('WEBVTT\n')).toThrow(/no cues/);
    expect(parseCaptions('\uFEFFWEBVTT\n\n00:00.000 --> 00:02.250\n<b>hi</b>\n')).toEqual({
      cueText: ['<b>hi</b>'],
      endMs: 2250,
    });
  });

  it('adds one SUBTITLES rendition per language to the master, and takes them away again', () => {
    const once = withSubtitles(MASTER, ['en', 'de']);
    expect(withSubtitles(once, ['en', 'de'])).toBe(once);
    const lines = once.split('\n');
    expect(lines.filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'))).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,URI="captions/en.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="de",NAME="Deutsch",DEFAULT=NO,AUTOSELECT=YES,URI="captions/de.m3u8"',
    ]);
    // Renditions come before the variants that name their group.
    expect(lines.findIndex((l) => l.startsWith('#EXT-X-MEDIA'))).toBeLessThan(
      lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF')),
    );
    expect(lines.filter((l) => l.endsWith(',SUBTITLES="subs"'))).toHaveLength(2);
    expect(withSubtitles(once, [])).toBe(MASTER);
    expect(subtitlePlaylist('en', 2500)).toContain('#EXTINF:2.500,\nen.vtt\n#EXT-X-ENDLIST');
  });
});
