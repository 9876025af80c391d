{#- The segment dimensions of every current object of int_werklijst_objecten, long: one row per
    (object, dimensie, waarde), values as text exactly as a signal's segment writes them
    (delivered codes or class labels). A zaak has one partner row per partner involved.
      eenheid          the unit dimensions of the unit as it is now (dim_eenheid)
      zaak             zaaktype_detailsoort and wijk of the case, partner from fct_zaak_partner
      huurovereenkomst the tenant dimensions (+ huurklasse, wijk) of its latest complete contract month -#}
with

objecten as (
    select * from {{ ref('int_werklijst_objecten') }}
),

eenheden as (
    select e.*
    from {{ ref('dim_eenheid') }} as e
    inner join objecten as o
        on o.object_soort = 'eenheid' and o.object_id = cast(e.eenheid_id as {{ dbt.type_string() }})
),

zaken as (
    select z.*
    from {{ ref('fct_zaak') }} as z
    inner join objecten as o
        on o.object_soort = 'zaak' and o.object_id = cast(z.zaak_id as {{ dbt.type_string() }})
),

partners as (
    select p.*
    from {{ ref('fct_zaak_partner') }} as p
    inner join objecten as o
        on o.object_soort = 'zaak' and o.object_id = cast(p.zaak_id as {{ dbt.type_string() }})
),

maanden as (
    select cm.*
    from {{ ref('fct_contract_maand') }} as cm
    inner join objecten as o
        on o.object_soort = 'huurovereenkomst'
        and o.object_id = cast(cm.overeenkomst_id as {{ dbt.type_string() }})
        and o.peildatum = cm.maand
),

final as (
    {%- for d in eenheid_segment_dimensies() %}
        select
            cast('verhuur' as {{ dbt.type_string() }}) as proces,
            cast('eenheid' as {{ dbt.type_string() }}) as object_soort,
            cast(eenheid_id as {{ dbt.type_string() }}) as object_id,
            cast('{{ d }}' as {{ dbt.type_string() }}) as dimensie,
            cast({{ d }} as {{ dbt.type_string() }}) as waarde
        from eenheden
        where {{ d }} is not null
        union all
    {%- endfor %}
    {%- for d in ['zaaktype_detailsoort', 'wijk'] %}
        select
            'overlast' as proces,
            'zaak' as object_soort,
            cast(zaak_id as {{ dbt.type_string() }}) as object_id,
            '{{ d }}' as dimensie,
            cast({{ d }} as {{ dbt.type_string() }}) as waarde
        from zaken
        where {{ d }} is not null
        union all
    {%- endfor %}
    select distinct
        'overlast' as proces,
        'zaak' as object_soort,
        cast(zaak_id as {{ dbt.type_string() }}) as object_id,
        'partner' as dimensie,
        cast(partner as {{ dbt.type_string() }}) as waarde
    from partners
    where partner is not null
    {%- for d in huurder_segment_dimensies() %}
        union all
        select
            'incasso' as proces,
            'huurovereenkomst' as object_soort,
            cast(overeenkomst_id as {{ dbt.type_string() }}) as object_id,
            '{{ d }}' as dimensie,
            cast({{ d }} as {{ dbt.type_string() }}) as waarde
        from maanden
        where {{ d }} is not null
    {%- endfor %}
)

select * from final
