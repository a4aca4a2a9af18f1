package org.updraft.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.Cookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Signing in and out of the dashboard in a real browser, and a wrong token refused. */
class SignInBrowserTest extends DashboardBrowser {

    @Test
    void signInShowsTheNavForTheRoleAndSignOutEndsTheSessionOnTheServer() throws Exception {
        page.navigate(base() + "/");
        assertThat(page).hasURL(base() + "/ui/");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to Updraft"))).isVisible();
        docScreenshot("sign-in");
        signIn(adminToken);
        assertThat(page.locator("#who .identity")).hasText("seeded (admin)");
        assertThat(page.locator("#nav a")).hasText(new String[] {"Overview", "Devices", "Releases", "Rollouts", "Products", "Tokens", "Audit"});
        List<Cookie> cookies = context.cookies();
        assertThat(cookies).hasSize(1);
        Cookie session = cookies.get(0);
        assertThat(session.name).isEqualTo("updraft_session");
        assertThat(session.httpOnly).isTrue();
        assertThat(session.sameSite.name()).isEqualTo("STRICT");
        assertThat(page.evaluate("() => document.cookie")).isEqualTo("");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to Updraft"))).isVisible();
        assertThat(page.getByText("You are signed out.")).isVisible();
        assertThat(context.cookies()).isEmpty();
        // The session is gone on the server: the old cookie, replayed, is refused.
        HttpResponse<String> replay = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/products"))
                .header("Cookie", "updraft_session=" + session.value).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.body()).contains("the session is not valid (signed out, expired or unknown)");
        page.reload();
        assertThat(page.getByLabel("API token")).isVisible();
    }

    @Test
    void aViewerSeesOnlyThePagesOfItsRole() {
        signIn(viewerToken);
        assertThat(page.locator("#who .identity")).hasText("ui-viewer (viewer)");
        assertThat(page.locator("#nav a")).hasText(new String[] {"Overview", "Devices", "Releases", "Rollouts", "Products"});
        page.navigate(base() + "/ui/#/tokens");
        assertThat(page.locator("main .error")).hasText("This page needs the admin role; you are signed in as viewer.");
    }

    @Test
    void aWrongTokenIsRefusedWithAClearMessageAndNoCookie() {
        page.navigate(base() + "/ui/");
        page.getByLabel("API token").fill("upd_nottherightsecretnottherightsecretnottheright");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        assertThat(page.locator("#signin-error .error")).hasText("sign-in refused: the token is not valid (unknown or revoked)");
        assertThat(context.cookies()).isEmpty();
        assertThat(page.locator("#nav a")).hasCount(0);
    }

    @Test
    void signingInWorksFromTheKeyboardAlone() {
        page.navigate(base() + "/ui/#/tokens");
        page.getByLabel("API token").waitFor();
        // The token field has the focus on arrival: type, Enter.
        page.keyboard().type(adminToken);
        page.keyboard().press("Enter");
        assertThat(page.locator("main h1")).hasText("Tokens");
        // The page's content has the focus; the next Tab is its first field.
        assertThat(page.locator(":focus")).hasId("main");
        page.keyboard().press("Tab");
        assertThat(page.locator(":focus")).hasId("token-name");
        // The skip link moves past the nav to the content.
        page.locator("a.skip").focus();
        assertThat(page.locator("a.skip")).isVisible();
        page.keyboard().press("Enter");
        assertThat(page.locator(":focus")).hasId("main");
        assertThat(page).hasURL(base() + "/ui/#/tokens");
        assertThat(page.locator("main h1")).hasText("Tokens");
    }
}
