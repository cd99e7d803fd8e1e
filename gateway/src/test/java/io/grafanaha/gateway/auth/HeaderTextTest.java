package io.grafanaha.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The header text Grafana's auth proxy reads: quoted-printable for headers_encoded, ASCII otherwise. */
class HeaderTextTest {
    @Test
    void quotedPrintableEscapesEveryUtf8ByteOutsidePrintableAsciiTheSpaceAndTheEqualsSign() {
        assertThat(HeaderText.quotedPrintable("Zoë Ñandú 山田")).isEqualTo("Zo=C3=AB=20=C3=91and=C3=BA=20=E5=B1=B1=E7=94=B0");
        assertThat(HeaderText.quotedPrintable("a=b")).isEqualTo("a=3Db");
        assertThat(HeaderText.quotedPrintable("alice@example.com")).isEqualTo("alice@example.com");
    }

    @Test
    void onlyPrintableAsciiTravelsAsItIs() {
        assertThat(HeaderText.ascii("Jane Doe")).isTrue();
        assertThat(HeaderText.ascii("Zoë")).isFalse();
    }

    @Test
    void aHeaderValueIsReadAsTheUtf8ItsBytesAreElseKeptAsNettyReadIt() {
        String asNettyGivesIt = new String("山田".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertThat(HeaderText.fromHeader(asNettyGivesIt)).isEqualTo("山田");
        assertThat(HeaderText.fromHeader("Zo\u00eb")).isEqualTo("Zo\u00eb"); // a lone Latin-1 byte is not UTF-8
    }
}
