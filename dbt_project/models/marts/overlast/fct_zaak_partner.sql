{#- One row per (zaak, partner): when a network partner joined an overlast zaak. -#}
with

betrokkenen as (
    select * from {{ ref('stg_raw__zaakbetrokkenen') }}
    where not is_verwijderd
),

zaken as (
    select zaak_id, registratiedatum, zaaktype_detailsoort, wijk, is_vertrouwelijk
    from {{ ref('fct_zaak') }}
)

select
    {{ dbt.concat(["b.zaak_id", "'|'", "b.partner"]) }} as zaak_partner_id,
    b.zaak_id,
    b.partner,
    {{ code_naam('ZAAKPARTNER', 'b.partner') }} as partner_naam,
    b.betrokken_vanaf,
    {{ dagen_tussen('z.registratiedatum', 'b.betrokken_vanaf') }} as dagen_na_registratie,
    z.zaaktype_detailsoort,
    z.wijk,
    z.is_vertrouwelijk
from betrokkenen as b
inner join zaken as z
    on z.zaak_id = b.zaak_id
