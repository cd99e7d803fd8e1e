package io.grafanaha.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueryMaskTest {
    @Test
    void secretLookingValuesAreMaskedAndEverythingElseKept() {
        assertThat(QueryMask.mask("/d/abc?orgId=1&token=t0k&from=now-1h&access_token=a&apikey=k&api_key=k2&password=p&auth=x"))
                .isEqualTo("/d/abc?orgId=1&token=***&from=now-1h&access_token=***&apikey=***&api_key=***&password=***&auth=***");
    }

    @Test
    void namesAreMatchedWhateverTheirCaseAndPrefix() {
        assertThat(QueryMask.mask("/x?ID_TOKEN=1&New_Password=2&X-Auth=3")).isEqualTo("/x?ID_TOKEN=***&New_Password=***&X-Auth=***");
    }

    @Test
    void aTargetWithoutQueryOrWithBareFlagsIsUnchanged() {
        assertThat(QueryMask.mask("/api/health")).isEqualTo("/api/health");
        assertThat(QueryMask.mask("/d/x?kiosk&token")).isEqualTo("/d/x?kiosk&token");
        assertThat(QueryMask.mask("/d/x?")).isEqualTo("/d/x?");
    }
}
